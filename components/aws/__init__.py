"""AWS region components: network, EKS cluster, managed node groups."""
