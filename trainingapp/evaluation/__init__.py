"""The course evaluation (phiếu đánh giá, Circular 10/2017/TT-BNV): the form and its questions,
the participants' anonymous responses, and the results.

Anonymity: a response has a random key and no link to the registration that gave it (no foreign
key, no time, no audit entry naming the person); the registration only carries a ``has_evaluated``
flag, set without touching its ``updated_at`` (:func:`.services.submit`).
"""
