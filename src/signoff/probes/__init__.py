"""Generic probes of a running service through its OpenAPI document: request bodies made from
its schemas, resources created by one identity and requested by another (the `authz` layer),
and its answers held against the document while a backing service is down (`faults`)."""
