"""aiogram's objects learn their bot in one step (bot/infra/objects.py): what they hold afterwards is what
pydantic's own hook leaves behind, for every way an object is made."""
import copy
import pickle

from aiogram.client.context_controller import BotContextController
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message, Update
from pydantic import PrivateAttr

from bot.infra import objects

MESSAGE = {"message_id": 5, "date": 1700000000, "chat": {"id": 123, "type": "private", "first_name": "An"},
           "from": {"id": 1, "is_bot": True, "first_name": "Hội nghị", "username": "hoinghi_bot"},
           "text": "Kính gửi Quý đại biểu",
           "reply_markup": {"inline_keyboard": [[{"text": "Đăng ký", "callback_data": "reg:start"}]]}}
UPDATE = {"update_id": 9, "callback_query": {"id": "q1", "chat_instance": "c", "data": "reg:start",
                                             "from": {"id": 7, "is_bot": False, "first_name": "Lan"},
                                             "message": MESSAGE}}


def every_private(obj, seen=None) -> list:
    """The private attributes of an object and of every aiogram object inside it."""
    found = [obj.__pydantic_private__]
    for name in type(obj).model_fields:
        value = obj.__dict__.get(name)
        for item in (value if isinstance(value, list) else [value]):
            for inner in (item if isinstance(item, list) else [item]):
                if isinstance(inner, BotContextController):
                    found += every_private(inner)
    return found


def made(bot) -> list:
    return [Message.model_validate(MESSAGE, context={"bot": bot}), Update.model_validate(UPDATE, context={"bot": bot}),
            Message.model_validate(MESSAGE), SendMessage(chat_id=5, text="x"),
            Message.model_construct(message_id=1), CallbackQuery.model_validate(UPDATE["callback_query"])]


def pydantics_own_hooks(monkeypatch) -> None:
    """Each class with the hook pydantic made for it (an app built earlier in this process changed them);
    after the test, as they were before it."""
    objects.bind_in_one_step()
    for cls, hook in objects.PYDANTICS.items():
        monkeypatch.setattr(cls, "model_post_init", hook)


def test_the_objects_hold_what_pydantics_own_hook_leaves(monkeypatch):
    bot = object()
    pydantics_own_hooks(monkeypatch)
    stock = [every_private(obj) for obj in made(bot)]
    assert objects.bind_in_one_step() > 600  # aiogram's types and methods
    ours = made(bot)
    assert [every_private(obj) for obj in ours] == stock
    message, update = ours[0], ours[1]
    assert message.bot is bot and message.chat.bot is bot and message.reply_markup.inline_keyboard[0][0].bot is bot
    assert update.callback_query.message.from_user.bot is bot and ours[2].bot is None
    assert message.model_copy().bot is bot and copy.deepcopy(ours[2]).__pydantic_private__ == {"_bot": None}
    assert pickle.loads(pickle.dumps(ours[2])) == ours[2] and ours[2].as_(bot).bot is bot
    assert objects.bind_in_one_step() == 0  # a second app in the same process changes nothing


def test_a_class_with_another_private_attribute_keeps_pydantics_hook(monkeypatch):
    class Annotated(Message):
        _seen: int = PrivateAttr(default=0)

    hook = Annotated.model_post_init
    pydantics_own_hooks(monkeypatch)
    objects.bind_in_one_step()
    assert Annotated.model_post_init is hook
    made = Annotated.model_validate(MESSAGE, context={"bot": "b"})
    assert made.__pydantic_private__ == {"_bot": "b", "_seen": 0}
