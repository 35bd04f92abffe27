"""Database models and the session factory."""
from models.base import Base
from models.account import Account, AccountRole
from models.delegate import Delegate, DelegateSession
from models.checkin import CheckIn, CheckInLog
from models.invitation import Invitation
from models.agenda import AgendaChange
from models.reminder import ReminderDelivery
from models.db import Database

__all__ = ["Base", "Account", "AccountRole", "Delegate", "DelegateSession", "CheckIn", "CheckInLog", "Invitation",
           "AgendaChange", "ReminderDelivery", "Database"]
