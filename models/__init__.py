"""Database models and the session factory."""
from models.base import Base
from models.account import Account, AccountRole
from models.delegate import Delegate, DelegateSession
from models.db import Database

__all__ = ["Base", "Account", "AccountRole", "Delegate", "DelegateSession", "Database"]
