"""Networks managed on the website by editors and admins: create, rename, change members, close.

Only user-defined networks (kind `network`, source `user`, or closed ones) are managed here;
kommungrupper, counties and Kolada's groups are not. An editor manages a network when every
member, before and after the change, is one of their municipalities (`can_manage_network`);
an admin manages every user-defined network.

Nothing is deleted: a network is *closed* by changing its kind to `network-closed` (it leaves
the network list and the reference choices but keeps its address, members and history, and
can be reopened); a removed member is recorded in the audit trail. Every change records an
`audit_event` (entity `group`, key `<id>`, `<id>/title`, `<id>/member/<area>` or
`<id>/status`). A change names the version it edits (`network_version`); when the network has
changed since, `Conflict` (HTTP 409) and nothing is written. Changes are written with
`Store.upsert_groups`, so the response cache's data version moves with them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Final

from jamfor.accounts import AccessDenied, User, can_manage_network
from jamfor.errors import JamforError, NotFoundError
from jamfor.model import Group
from jamfor.store.accounts import record
from jamfor.store.compass_edit import raise_if_conflict
from jamfor.store.entry import Conflict
from jamfor.store.repository import Store, slugify

OPEN: Final = "network"
CLOSED: Final = "network-closed"
MANAGED_KINDS: Final = (OPEN, CLOSED)
RESERVED_IDS: Final = frozenset({"ny"})  # /natverk/ny is the form for a new network
MAX_MEMBERS: Final = 400


def network_version(group: Group) -> str:
    """The version of a network a form carries: SHA-256 of its title, kind and members."""
    text = json.dumps([group.title, group.kind, [a.id for a in group.members]], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def managed_network(store: Store, group_id: str) -> Group:
    """A network managed on the website; NotFoundError for other groups or none."""
    rows = store.db.query("SELECT kind, source FROM area_group WHERE id = ?", [group_id])
    if not rows or rows[0][0] not in MANAGED_KINDS or rows[0][1] != "user":
        raise NotFoundError(f"no user-defined network with id {group_id!r}")
    return store.group(group_id)


def may_manage(user: User | None, group: Group) -> bool:
    return can_manage_network(user, [a.id for a in group.members])


def _member_ids(store: Store, members: Sequence[str]) -> list[str]:
    names = [m.strip() for m in members if m.strip()]
    if not names:
        raise JamforError("a network needs at least one member")
    if len(names) > MAX_MEMBERS:
        raise JamforError(f"a network may have at most {MAX_MEMBERS} members")
    ids = []
    for name in names:
        area = store.resolve_area(name)
        if not area.is_municipality:
            raise JamforError(f"{area.title} is not a municipality: networks are of municipalities")
        ids.append(area.id)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise JamforError("a member is listed twice: " + ", ".join(duplicates))
    return ids


def _check_title(title: str) -> str:
    text = title.strip()
    if not text:
        raise JamforError("a network needs a name")
    if len(text) > 200:
        raise JamforError("a network name may be at most 200 characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
        raise JamforError("a network name may not contain control characters")
    return text


def create_user_network(store: Store, title: str, members: Sequence[str], *, actor: User, via: str) -> Group:
    """A new network of `members` (ids or names), if `actor` may manage it."""
    name = _check_title(title)
    ids = _member_ids(store, members)
    if not can_manage_network(actor, ids):
        raise AccessDenied(f"{actor.username} may only create networks of their own municipalities")
    gid = slugify(name)
    if gid in RESERVED_IDS:
        gid = f"{gid}-natverk"
    with store.db.transaction():
        if store.db.query("SELECT 1 FROM area_group WHERE id = ?", [gid]):
            raise JamforError(f"a group with id {gid!r} exists already: choose another name")
        store.upsert_groups([(gid, name, OPEN, "user", ids)])
        record(store, actor=actor.username, via=via, action="create", entity="group", key=gid, new=name)
        for area in ids:
            record(
                store,
                actor=actor.username,
                via=via,
                action="add-member",
                entity="group",
                key=f"{gid}/member/{area}",
                new=area,
            )
    return store.group(gid)


def edit_network(
    store: Store,
    group_id: str,
    *,
    title: str,
    members: Sequence[str],
    closed: bool,
    version: str,
    actor: User,
    via: str,
) -> list[tuple[str, str | None, str | None]]:
    """Rename, change the members of, close or reopen a network; the changes (key, old, new)."""
    try:
        return _edit(
            store,
            group_id,
            title=title,
            members=members,
            closed=closed,
            version=version,
            actor=actor,
            via=via,
        )
    except JamforError:
        raise
    except Exception as exc:
        raise_if_conflict(store, exc, f"network {group_id}")
        raise


def _edit(
    store: Store,
    group_id: str,
    *,
    title: str,
    members: Sequence[str],
    closed: bool,
    version: str,
    actor: User,
    via: str,
) -> list[tuple[str, str | None, str | None]]:
    name = _check_title(title)
    ids = _member_ids(store, members)
    lock = " FOR UPDATE" if store.dialect == "postgres" else ""
    with store.db.transaction():
        store.db.query("SELECT id FROM area_group WHERE id = ?" + lock, [group_id])
        current = managed_network(store, group_id)
        if not may_manage(actor, current) or not can_manage_network(actor, ids):
            raise AccessDenied(
                f"{actor.username} may not manage network {group_id}: editors manage networks of their own "
                "municipalities only"
            )
        if network_version(current) != version:
            raise Conflict(
                f"network {group_id} was changed by someone else since the form was opened: reload it and "
                "make your changes again"
            )
        kind = CLOSED if closed else OPEN
        old_ids = [a.id for a in current.members]
        changes: list[tuple[str, str | None, str | None]] = []
        if name != current.title:
            changes.append((f"{group_id}/title", current.title, name))
        changes += [(f"{group_id}/member/{a}", a, None) for a in old_ids if a not in ids]
        changes += [(f"{group_id}/member/{a}", None, a) for a in ids if a not in old_ids]
        if kind != current.kind:
            changes.append((f"{group_id}/status", current.kind, kind))
        if not changes and ids == old_ids:
            return []
        store.upsert_groups([(group_id, name, kind, "user", ids)])
        for key, old, new in changes:
            action = (
                "rename"
                if key.endswith("/title")
                else ("close" if new == CLOSED else "reopen")
                if key.endswith("/status")
                else ("remove-member" if new is None else "add-member")
            )
            record(
                store, actor=actor.username, via=via, action=action, entity="group", key=key, old=old, new=new
            )
        if not changes:  # the order of the members alone changed
            record(
                store,
                actor=actor.username,
                via=via,
                action="reorder",
                entity="group",
                key=f"{group_id}/members",
                old=" ".join(old_ids),
                new=" ".join(ids),
            )
    return changes
