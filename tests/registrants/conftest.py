"""The registrant list uses the check-in tests' desk: the same course, accounts and fixtures."""

from tests.attendance.conftest import app_config  # noqa: F401
from tests.attendance.conftest import desk  # noqa: F401
from tests.attendance.conftest import organizer_client  # noqa: F401
from tests.attendance.conftest import staff_client  # noqa: F401
