"""The `dangjian` command line, run as a real process against a real SQLite file."""

import secrets
import sqlite3
import subprocess

import httpx

from authz.tokens import verify_token
from tests.process import CLI_SECRET, run, serving


def test_upgrade_seed_token(cli_env: dict[str, str]) -> None:
    assert run(cli_env, "db", "upgrade").returncode == 0
    first = run(cli_env, "seed", "--scale", "demo")
    assert first.returncode == 0 and '"members"' in first.stdout
    # the seed computes the cockpit's tallies ahead: no first cockpit read pays for them
    assert "cockpit tallies ready" in first.stdout
    db_file = cli_env["DANGJIAN_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(db_file) as conn:
        held = dict(conn.execute("SELECT key, COUNT(*) FROM cockpit_tally_month GROUP BY key"))
        marks = conn.execute("SELECT COUNT(*) FROM cockpit_dirty").fetchone()[0]
    assert held["DUES_ON_TIME"] == held["THEME_DAY"] == held["CHECK_IN"] == 24 and marks == 0
    again = run(cli_env, "seed", "--scale", "demo")
    assert again.returncode == 0 and "nothing seeded" in again.stdout
    warm = run(cli_env, "cockpit-warm", "--months", "3")
    assert warm.returncode == 0 and "cockpit tallies ready" in warm.stdout
    out = run(cli_env, "token", "jiangjin_admin", "--ttl", "120")
    assert out.returncode == 0
    claims = verify_token(out.stdout.strip(), CLI_SECRET)
    assert claims["sub"] == "jiangjin_admin" and claims["ver"] == 1
    assert claims["exp"] - claims["iat"] == 120
    missing = run(cli_env, "token", "nobody")
    assert missing.returncode == 1 and "no account" in missing.stderr


def test_bad_scale_is_refused(cli_env: dict[str, str]) -> None:
    bad = run(cli_env, "seed", "--scale", "shanghai")
    assert bad.returncode != 0 and "scale must be one of" in bad.stderr


def test_seed_as_of_a_day(cli_env: dict[str, str], tmp_path) -> None:
    """`--as-of` builds the data as they stand at the start of that day (China time)."""
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{tmp_path}/as_of.db"}
    assert run(env, "db", "upgrade").returncode == 0
    bad = run(env, "seed", "--as-of", "2027-02-30")
    assert bad.returncode != 0 and "--as-of must be a date" in bad.stderr
    assert run(env, "seed", "--as-of", "2027-01-01").returncode == 0
    with sqlite3.connect(tmp_path / "as_of.db") as conn:
        latest = conn.execute("SELECT MAX(paid_at) FROM dues_payment").fetchone()[0]
        year = conn.execute("SELECT MAX(year) FROM dues_base").fetchone()[0]
    assert latest < "2026-12-31 16:00:00" and latest > "2026-12-20"  # UTC, before 1 Jan 00:00
    assert year == 2027


def test_short_secret_is_refused(cli_env: dict[str, str]) -> None:
    out = run({**cli_env, "DANGJIAN_JWT_SECRET": "short"}, "token", "cq_admin")
    assert out.returncode != 0 and "at least 32 bytes" in out.stderr


def test_serve_answers_healthz(cli_env: dict[str, str]) -> None:
    with serving(cli_env) as base:
        response = httpx.get(f"{base}/healthz", timeout=10)
        assert response.status_code == 200 and response.json() == {"status": "ok"}


def one_error_line(out: subprocess.CompletedProcess[str]) -> str:
    """The single `dangjian: error: …` line of a refused command (warnings aside)."""
    lines = [line for line in out.stderr.splitlines() if not line.startswith("dangjian: warning")]
    assert out.returncode == 2 and len(lines) == 1, out.stderr
    assert lines[0].startswith("dangjian: error: ")
    return lines[0].removeprefix("dangjian: error: ")


def test_no_command_but_db_upgrade_creates_a_database(cli_env: dict[str, str], tmp_path) -> None:
    """Run from another folder, `token` names the missing file instead of creating it."""
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{tmp_path}/absent.db"}
    for args in (("token", "jiangjin_admin"), ("serve",), ("audit-purge",), ("seed",)):
        message = one_error_line(run(env, *args))
        assert message == f"no database at {tmp_path}/absent.db: run `dangjian db upgrade`"
    assert not (tmp_path / "absent.db").exists()


def test_serve_refuses_a_database_behind_the_code(cli_env: dict[str, str], tmp_path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    env = {**cli_env, "DANGJIAN_DATABASE_URL": f"sqlite:///{empty}"}
    assert "database at revision none (empty), expected" in one_error_line(run(env, "serve"))
    assert run(env, "db", "upgrade", "--revision", "0006").returncode == 0
    behind = one_error_line(run(env, "serve"))
    assert behind.startswith("database at revision 0006, expected 0")
    assert behind.endswith(": run `dangjian db upgrade`")


def test_a_bad_setting_is_one_line(cli_env: dict[str, str]) -> None:
    message = one_error_line(run({**cli_env, "DANGJIAN_ENV": "prod"}, "settings"))
    assert message == "DANGJIAN_ENV must be development or production, not 'prod'"


def test_reset_is_refused_in_production(cli_env: dict[str, str]) -> None:
    """Replacing the data erases the audit trail: a deliberate act on a development database."""
    env = {**cli_env, "DANGJIAN_ENV": "production", "DANGJIAN_JWT_SECRET": secrets.token_hex(32)}
    message = one_error_line(run(env, "seed", "--reset"))
    assert message == "seed --reset erases every row, the audit trail too: not in production"
