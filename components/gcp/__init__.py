"""GCP region components: network, private GKE cluster, node pools, photo storage, Memorystore."""
