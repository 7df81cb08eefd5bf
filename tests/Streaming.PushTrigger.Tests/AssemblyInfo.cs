// Unit tests only, but the machine is shared: one class at a time keeps them light.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
