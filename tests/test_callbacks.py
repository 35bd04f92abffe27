"""The callback data on the wire: buttons already sent in chats carry these exact strings, so each action's
enum packs to the bytes it always had and unpacks back; an action no button carries does not unpack."""
import pytest

from bot.screens.callbacks import (Agenda, AgendaAction, Card, CardAction, Desk, DeskAction, Go, GoTo, Invite,
                                   InviteAction, Outbox, OutboxAction, Roles, RolesAction)

SENT = [  # (the button as the code builds it, the data in the chats)
    (Card(action=CardAction.show, id=7), "d:show:7:"),
    (Card(action=CardAction.change, id=7), "d:change:7:"),
    (Card(action=CardAction.field, id=7, field="phone"), "d:field:7:phone"),
    (Card(action=CardAction.qr, id=7), "d:qr:7:"),
    (Card(action=CardAction.link, id=7), "d:link:7:"),
    (Card(action=CardAction.cancel, id=7), "d:cancel:7:"),
    (Card(action=CardAction.cancel_yes, id=7), "d:cancel_yes:7:"),
    (Card(action=CardAction.all_records), "d:list:0:"),
    *[(Go(to=to), f"go:{to.value}") for to in GoTo],
    (Desk(action=DeskAction.pick, id=3), "ck:pick:3:"),
    (Desk(action=DeskAction.undo, id=3), "ck:undo:3:"),
    (Desk(action=DeskAction.switch_part, code="conference"), "ck:list:0:conference"),
    (Invite(action=InviteAction.revoke, id=2), "inv:revoke:2"),
    (Outbox(action=OutboxAction.cancel, id=9), "ob:cancel:9"),
    *[(Agenda(action=action, code="opening"), f"ag:{action.value}:opening") for action in AgendaAction],
    (Roles(action=RolesAction.remove, id=4, role="staff"), "rl:remove:4:staff"),
]


@pytest.mark.parametrize(("button", "wire"), SENT, ids=[wire for _button, wire in SENT])
def test_a_button_packs_to_the_data_already_in_the_chats_and_back(button, wire):
    assert button.pack() == wire
    assert type(button).unpack(wire) == button


def test_the_wire_names_of_the_actions_are_the_ones_buttons_carry():
    assert {a.value for a in CardAction} == {"show", "change", "field", "qr", "link", "cancel", "cancel_yes", "list"}
    assert {a.value for a in GoTo} == {"me", "register", "register_other", "schedule", "help", "lang"}
    assert {a.value for a in DeskAction} == {"pick", "undo", "list"}
    assert {a.value for a in AgendaAction} == {"part", "time", "place", "cancel", "restore", "add"}


@pytest.mark.parametrize("data", ["d:new:0:", "go:admin", "ck:delete:1:", "ag:drop:opening", "ob:resume:1"])
def test_an_action_no_button_carries_does_not_unpack(data):
    callback = {"d": Card, "go": Go, "ck": Desk, "ag": Agenda, "ob": Outbox}[data.split(":")[0]]
    with pytest.raises(ValueError):
        callback.unpack(data)
