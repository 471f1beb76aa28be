"""Who may do what: the one access rule, for pages, API and CLI alike (no Flask import).

`allowed(user, action, project)` is the only place that decides. A `project` is anything with
`has_members` and `lists(user)` (the ORM `Project`, or `projects.ProjectRef`, the light row the
annotate loop reads in the same query as its project); instance-wide actions take no project.
"""
from __future__ import annotations

# What a user may do in a project, or across the installation (project None).
ACTIONS = ("see", "annotate", "review", "admin")


def allowed(user, action: str, project=None) -> bool:
    """May `user` do `action` (see | annotate | review | admin), in `project` where one is given?

    Admins may do anything. Reviewers and admins review every project. Annotators annotate
    where they are listed as members or where the project lists none (open to all). A reviewer
    sees everyone's labels, so annotates only where explicitly listed. A crowd participant
    (crowd.py) sees and annotates the one project of their study and nothing else. An inactive
    or anonymous user may do nothing."""
    if action not in ACTIONS:
        raise ValueError(f"action: one of {', '.join(ACTIONS)} (got {action!r})")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = user.role
    if role == "participant":
        return (action in ("see", "annotate") and project is not None
                and project.id == user.study_project_id)
    if action == "admin" or role == "admin":
        return role == "admin"
    if action == "review":
        return role == "reviewer"
    if project is None:
        return action == "see"  # the list of projects itself
    listed = project.lists(user)
    if action == "annotate":
        return listed or (role == "annotator" and not project.has_members)
    return role == "reviewer" or listed or not project.has_members  # see


class Refused(Exception):
    """What a request names is missing (code not_found) or not the user's to use (forbidden)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def require(user, action: str, project=None, missing: str = "Not found."):
    """`project` if `user` may `action` there; Refused not_found where it is None, forbidden
    where allowed() says no. Pages, API and CLI check through this."""
    if project is None:
        raise Refused("not_found", missing)
    if not allowed(user, action, project):
        raise Refused("forbidden", "Your role or membership does not allow this.")
    return project
