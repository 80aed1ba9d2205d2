"""Flask extensions, created unbound and initialised in :func:`trainingapp.create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# mypy cannot subclass db.Model (an instance attribute); models subclass this alias instead.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address)
#: fragments of the public pages that are the same for everybody (never personal data); Redis
#: when ``CACHE_REDIS_URL`` is set, else in-process (``trainingapp.events.caching``)
cache = Cache()

#: a cache server that does not answer within this long is skipped (the page is rendered)
REDIS_TIMEOUT_SECONDS = 0.5


def init_cache(app: Flask) -> None:
    """``CACHE_TYPE`` unset: Redis when ``CACHE_REDIS_URL`` names one, else in-process."""
    if not app.config.get("CACHE_TYPE"):
        redis = bool(app.config.get("CACHE_REDIS_URL"))
        app.config["CACHE_TYPE"] = "RedisCache" if redis else "SimpleCache"
        if redis and not app.config.get("CACHE_OPTIONS"):
            app.config["CACHE_OPTIONS"] = {
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            }
    cache.init_app(app)
