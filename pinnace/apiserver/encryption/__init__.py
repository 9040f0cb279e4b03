"""Encryption at rest: upstream's ``EncryptionConfiguration`` (``--encryption-provider-config``).

```
 ResourceStore / watch cache / IP allocator
            │  plaintext JSON
            ▼
 EncryptingStore ── key → resource → transformer (exact name, *.<group>, *.*, else identity)
            │  k8s:enc:aescbc:v1:key1:<IV><CBC(PKCS#7(JSON))>
            ▼
 SQLite / etcd
```

* :mod:`.config` decodes the file strictly, :mod:`.validation` checks it with upstream's messages,
  :mod:`.providers` builds each resource's transformer chain, :mod:`.load` ties the three together;
* :mod:`.transformer` holds the transformer contract, identity and the prefix chains; :mod:`.aes` and
  :mod:`.secretbox` the ciphers, storing values byte for byte as kube-apiserver does, so a store written
  by one can be read by the other given the same configuration;
* :mod:`.store` wraps the store the API server uses.

``kms`` providers are refused: Pinnace has no KMS plugin client. The file is read at start only.
"""

from pinnace.apiserver.encryption.load import EncryptionConfigError, load, load_optional
from pinnace.apiserver.encryption.providers import NO_ENCRYPTION, ResourceTransformers
from pinnace.apiserver.encryption.store import EncryptingStore, StoredValueError, storage_resources

__all__ = [
    "NO_ENCRYPTION",
    "EncryptingStore",
    "EncryptionConfigError",
    "ResourceTransformers",
    "StoredValueError",
    "load",
    "load_optional",
    "storage_resources",
]
