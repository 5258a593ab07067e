"""The oracle's exception."""


class OracleUnavailable(Exception):
    """The oracle cannot evaluate this program: the message names the primitive or node."""
