"""Lists walked whole: the paged lists of an OpenAPI document (`find`), items to fill them with
(`fill`), and the walk of every page at a page size (`walk`)."""
