"""Every function of the product that writes rows is accounted for: it is an audited action (`@action`, each
called by test_every_action_is_audited.py), or it is listed below with how its write reaches the audit log and
the test that proves it, or with why the row is not a user's change. A new write that is none of these fails
here, so nothing users change can slip past the audit log unnoticed.

The functions are found by reading the code: calls of the ORM's write methods (save, create, bulk_create,
bulk_update, delete, get_or_create, update_or_create, and update on a manager or a filter).
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
WRITE_METHODS = {"save", "create", "bulk_create", "bulk_update", "delete", "get_or_create", "update_or_create"}
BOOKKEEPING = "bookkeeping"  # not a user's change: a job's own status, the audit row itself, the system account

# function → (how its write is audited, the test that shows it) or (BOOKKEEPING, why)
ACCOUNTED_FOR = {
    "plans/actions.py:_set_status": (
        "called by the plans' actions (start, cancel, report, decision), which record the status change",
        "tests/audit/test_every_action_is_audited.py::test_action_leaves_audit_row",
    ),
    "plans/actions.py:_new_measure": (
        "called by create_plan, whose audit row counts the measures made",
        "tests/audit/test_every_action_is_audited.py::test_action_leaves_audit_row",
    ),
    "plans/actions.py:_new_version": (
        "called by create_plan and amend_plan, whose audit rows hold the version's order and changes",
        "tests/audit/test_every_action_is_audited.py::test_action_leaves_audit_row",
    ),
    "plans/due.py:refresh_due": (
        BOOKKEEPING,
        "a measure's computed due date, stored for filtering; recomputed by the actions that change its inputs",
    ),
    "access/actions.py:_own_password": (
        "called by the create_region action, which records the password set by the operator",
        "tests/audit/test_every_action_is_audited.py::test_action_leaves_audit_row",
    ),
    "access/demo.py:_create_user": (
        "the demo's users step records every user and role it creates",
        "tests/audit/test_audit_gaps.py::test_load_demo_records_what_it_creates",
    ),
    "access/views.py:form_valid": (
        "the password reset by e-mail link records the change in the same transaction",
        "tests/access/test_login.py::test_the_reset_link_records_the_new_password_in_its_transaction",
    ),
    "core/actors.py:_create": (BOOKKEEPING, "the system account that the audit log names as the actor"),
    "core/auditing.py:record": (BOOKKEEPING, "the audit row itself"),
    "core/documents/docx_writer.py:write_docx": (BOOKKEEPING, "python-docx's save() of a document into memory"),
    "core/bulk.py:bulk_insert": (BOOKKEEPING, "a helper: the functions that call it are accounted for here"),
    "core/jobs.py:_db_progress": (BOOKKEEPING, "a job's own progress"),
    "core/jobs.py:report": (BOOKKEEPING, "a job's own progress"),
    "core/jobs.py:execute": (BOOKKEEPING, "a job's own status; its handler records what it changes"),
    "core/jobs.py:start": (BOOKKEEPING, "a job's own row; its handler records what it changes"),
    "detection/management/commands/detect.py:handle": (BOOKKEEPING, "the job of a run; the run records itself"),
    "detection/runs.py:create_run": (
        "a queued run is recorded when its findings are saved (or its failure is)",
        "tests/detection/test_runs.py::test_detect_without_by_is_recorded_under_the_system_account",
    ),
    "detection/runs.py:_save": (
        "records the run with its findings in the same transaction",
        "tests/detection/test_runs.py::test_detect_without_by_is_recorded_under_the_system_account",
    ),
    "detection/signs.py:keep_signs": (
        "called by _save, which records the run in the same transaction: its counts of signs, derived from its findings",
        "tests/detection/test_runs.py::test_a_run_keeps_its_schools_with_signs_per_municipality",
    ),
    "detection/views.py:run_start": (BOOKKEEPING, "links the queued run to its job"),
    "orgs/demo.py:load_orgs": (
        "the demo's organisations step records every organisation it creates",
        "tests/audit/test_audit_gaps.py::test_load_demo_records_what_it_creates",
    ),
    "orgs/demo.py:_create_bodies": (
        "called by load_orgs, which records the bodies",
        "tests/audit/test_audit_gaps.py::test_load_demo_records_what_it_creates",
    ),
    "orgs/management/commands/import_registry.py:handle": (BOOKKEEPING, "the job of an import; the import records"),
    "orgs/registry.py:apply": (
        "records every school and municipality created or changed, in the import's transaction",
        "tests/audit/test_audit_gaps.py::test_import_registry_without_by",
    ),
    "orgs/registry.py:_municipalities_for": (
        "called by apply, which records the new municipalities",
        "tests/audit/test_audit_gaps.py::test_import_registry_without_by",
    ),
    "orgs/registry.py:_save_changes": (
        "called by apply, which records each change",
        "tests/audit/test_audit_gaps.py::test_import_registry_without_by",
    ),
    "orgs/views.py:_body_form_page": (
        "form.save(commit=False) builds the body; the save_body action writes and records it",
        "tests/audit/test_every_action_is_audited.py::test_action_leaves_audit_row",
    ),
    "plans/reminders.py:_send": (
        BOOKKEEPING,
        "the log of reminders e-mailed (a person, a measure, a day), written as the letter is sent so that a second "
        "run on the day sends nothing twice; nobody's data changes",
    ),
    "results/importer.py:_serialise_imports": (BOOKKEEPING, "a no-op update that takes the region's lock"),
    "results/importer.py:_record": (
        "records the import (and what it replaced) in the same transaction",
        "tests/audit/test_audit_gaps.py::test_import_results_without_by",
    ),
    "results/management/commands/import_results.py:handle": (BOOKKEEPING, "the job of an import; the import records"),
    "results/management/commands/purge_results.py:_purge": (
        "records each import whose files are purged",
        "tests/audit/test_audit_gaps.py::test_purge_results_without_by",
    ),
    "results/reference.py:assessment_for": (
        "a work enters the catalogue with the import or catalogue entry that names it, which is recorded",
        "tests/audit/test_audit_gaps.py::test_catalogue_import_records_each_work_and_version",
    ),
    "results/reference.py:add_version": (
        "records the version it adds",
        "tests/audit/test_audit_gaps.py::test_catalogue_import_records_each_work_and_version",
    ),
    "results/schedules.py:_save_schedule": (
        "records each line created or changed",
        "tests/audit/test_audit_gaps.py::test_schedule_import_records_each_line_created_or_changed",
    ),
    "results/schedules.py:_save_sample": (
        "records each entry of the control sample",
        "tests/audit/test_audit_gaps.py::test_control_sample_import_records_each_entry",
    ),
}


def _writes(function: ast.FunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, base = node.func.attr, ast.unparse(node.func.value)
            if method in WRITE_METHODS or (method == "update" and ("objects" in base or "filter(" in base)):
                return True
    return False


def _is_action(function: ast.FunctionDef) -> bool:
    return any(ast.unparse(d) == "action" for d in function.decorator_list)


def writers() -> set[str]:
    """module:function of every function outside actions that writes rows."""
    found = set()
    package = ROOT / "objectivity"
    for path in package.rglob("*.py"):
        if "migrations" in path.parts or "analysis" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and _writes(node) and not _is_action(node):
                found.add(f"{path.relative_to(package).as_posix()}:{node.name}")
    return found


def test_every_write_is_an_action_or_accounted_for():
    found = writers()
    assert found - set(ACCOUNTED_FOR) == set(), "writes neither in an action nor accounted for"
    assert set(ACCOUNTED_FOR) - found == set(), "accounted for here but no longer writing: remove them"


def test_every_proof_named_here_exists():
    for how, proof in ACCOUNTED_FOR.values():
        if how == BOOKKEEPING:
            continue
        path, name = proof.split("::")
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), proof
