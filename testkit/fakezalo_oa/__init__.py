"""A strict fake of the Zalo Official Account API, its OAuth v4 token endpoint and ZNS, on one local server, for
end-to-end tests of bot/channels/zalo_oa. Each rule it enforces names its source in a comment (rules.py).
Requests the bot should never have made are kept in `rejected`; tests assert it is empty."""
from .server import FakeOa, OaMessage
from .user import FakeOaUser

__all__ = ["FakeOa", "FakeOaUser", "OaMessage"]
