"""One module per part of the API, as in the template: login, users, items, utils."""
