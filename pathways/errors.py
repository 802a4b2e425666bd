"""Domain errors. Each carries a message a custody or treatment worker would understand."""

from __future__ import annotations


def a_or_an(words: str) -> str:
    """`words` after the article a sentence starts with: "An administrator", "A manager", "An Arrest referral"."""
    return f"{'An' if words[:1].lower() in 'aeiou' else 'A'} {words}"


class PathwaysError(Exception):
    """Base of every error the services raise on purpose."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class StepNotAllowed(PathwaysError):
    """The pathway does not allow this step at this point of the case."""


class NotPermitted(PathwaysError):
    """The acting user's role does not allow this action."""


class NotFound(PathwaysError):
    """A person, case or event that was asked for is not held."""


class InvalidInput(PathwaysError):
    """A value the user gave is not acceptable (a wrong date, a bad NHS number...)."""


class ConflictingChange(PathwaysError):
    """Someone else changed the record since it was read."""


class DiskFull(PathwaysError):
    """The disk was full (or could not be written to), so nothing was saved."""

    def __init__(self, what: str = "nothing was saved") -> None:
        super().__init__(
            f"The disk is full (or could not be written to), so {what}. "
            "Free some space on the disk, or ask your IT support to, then try again."
        )


class DatabaseUnreachable(PathwaysError):
    """The connection to the database server was lost (or the server could not be reached) during the work."""

    NOT_SIGNED_IN = "you were not signed in. Check this computer's network connection, then try again"
    NOTHING_DONE = "nothing was done. Check this computer's network connection, then try again"
    NOT_READ = "what you asked for could not be shown. Check this computer's network connection, then try again"
    UNFINISHED = "it was not finished: nothing was half-saved. Check this computer's network connection, then try again"

    def __init__(
        self,
        what: str = "your change may not have been saved. Check this computer's network connection, then reload "
        "the record to see whether the change is there before you try again",
    ) -> None:
        super().__init__(f"The connection to the database server was lost, so {what}.")
