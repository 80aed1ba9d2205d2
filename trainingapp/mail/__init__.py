"""Outgoing mail: composed in the participant's language, delivered after commit, never fatal.

``outbox.deliver`` sends through SMTP when ``MAIL_SERVER`` is set, otherwise writes ``.eml`` files
to the outbox folder (``MAIL_OUTBOX``, default ``instance/outbox``). With SMTP, each message is
first spooled to ``<outbox>/unsent/`` and removed once the server took it, so a server that is
down loses nothing: ``flask --app trainingapp mail retry`` sends what is left.
"""
