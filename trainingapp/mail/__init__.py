"""Outgoing mail: a database outbox, written in the transaction of the change it tells.

Infrastructure: it imports no domain package. A package that sends mail registers a composer for
its kinds (``composers.composer("registration")``) and queues with ``outbox.enqueue`` in its
own transaction; after the commit a sender (``sender``: a thread in each web process, or
``flask mail worker`` processes; ``MAIL_SENDER``) composes each message in its locale and sends
it through SMTP (``MAIL_SERVER``) or writes it as an ``.eml`` file to ``MAIL_OUTBOX`` (default
``instance/outbox``). Failed attempts are retried with a back-off; ``flask mail retry`` makes
everything due again.
"""
