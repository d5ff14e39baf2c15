"""Carrier connections and routing: which connector carries a message, and why.

Connectors and routes are rows (messaging.models) that support staff edit in the admin. The send
path asks `route_choose` (selectors) whether a number can be routed; the dispatcher asks it which
connectors may carry each message, in order. Both read one in-memory snapshot of the table
(`table`), rebuilt only when a connector or route changes: with nothing configured, routing costs
no query, and the one implicit gateway of SMS_GATEWAY carries everything as before."""
