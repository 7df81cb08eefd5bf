// Silos, Kafka and Redis are heavy for two cores: test classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
