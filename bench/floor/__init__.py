"""The floor of this stack: bare Django views under the same gunicorn flags as `accept_single`, so
each run prints how far the platform is above what Django itself can do on this machine.

- `hello`: a view that answers a constant (no middleware, no database);
- `insert`: one indexed key lookup and one INSERT in a transaction, the least a durable accept does.

Run by the `floor` scenario with DJANGO_SETTINGS_MODULE=bench.floor.settings."""
