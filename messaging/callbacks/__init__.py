"""Everything owed to a customer's URL, in the order it happens:

    notify.py     what is owed: the callback rows a status change or a reply creates (with the message's
                  transition, in its transaction), enqueued on commit
    webhooks.py   how it is sent: signing, the SSRF-safe HTTP client, backoff, the host breaker
    delivery.py   one attempt (claimed, recorded) and the next one scheduled; a resend from the admin
    workers.py    the callback threads of the consumer: teams take turns, never huey's threads

Reports coming IN from HTTP upstreams are the other direction: messaging/upstream_hooks.py.
"""
