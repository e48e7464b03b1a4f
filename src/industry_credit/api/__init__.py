"""HTTP plumbing shared by every router: dependencies, middleware, metrics, logging."""
