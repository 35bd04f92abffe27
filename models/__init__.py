"""Database models and the session factory."""
from models.base import Base
from models.account import Account, AccountRole
from models.delegate import Delegate, DelegatePart
from models.checkin import CheckIn, CheckInLog
from models.invitation import Invitation
from models.agenda import AgendaChange
from models.reminder import ReminderDelivery
from models.outbox import Broadcast, OutboxMessage
from models.nominee import Nominee
from models.question import Question, QuestionRelay
from models.web import DeskScan, WebLogin, WebSession
from models.zalo import ZaloId
from models.zalo_oa import ZaloOaContact, ZaloOaEvent, ZaloOaToken
from models.confirmation import Confirmation
from models.conversation import Conversation
from models.lodging import RoomAssignment
from models.province_report import ProvinceReport, ReportReminderDelivery
from models.transport import Seat
from models.db import Database

__all__ = ["Base", "Account", "AccountRole", "Delegate", "DelegatePart", "CheckIn", "CheckInLog", "Invitation",
           "AgendaChange", "ReminderDelivery", "Broadcast", "OutboxMessage", "Nominee", "Question", "QuestionRelay", "DeskScan", "WebLogin",
           "WebSession", "ZaloId", "ZaloOaContact", "ZaloOaEvent", "ZaloOaToken", "Confirmation", "Conversation",
           "ProvinceReport", "ReportReminderDelivery", "RoomAssignment", "Seat", "Database"]
