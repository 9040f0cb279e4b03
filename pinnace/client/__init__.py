"""The client machinery every component uses to meet the API server: REST, informers, work queues, events,
leader election. Components never touch the store; they list, watch and write through this package."""
