"""``staging-blueprint:tokenBroker``: every rule names the exact key path, the bad value and the fix."""

from __future__ import annotations

import pytest

from stack_config import ConfigError, load_stack_config
from stack_config.access import TokenBrokerConfig
from stack_config.access_checks import access_checks, estimated_environment_bytes

BASE = {"tags": {"owner": "team-a", "cost-center": "cc-1"}}
PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def broker(**overrides):
    return {
        "issuer": "https://idp.example.com/realms/staging",
        "audience": "staging-token-broker",
        "roles": [{"name": "developer", "access": "developer"}, {"name": "readonly"}],
        "groups": {"staging-developers": {"roles": ["developer", "readonly"]}},
        **overrides,
    }


def load(**overrides):
    return load_stack_config({**BASE, "tokenBroker": broker(**overrides)})


def problems(**overrides):
    with pytest.raises(ConfigError) as info:
        load(**overrides)
    return [p.render() for p in info.value.problems]


def only(**overrides) -> str:
    [line] = problems(**overrides)
    return line


def test_a_minimal_broker_gets_secure_defaults():
    cfg = load_stack_config(BASE)
    assert cfg.token_broker is None
    tb = load().token_broker
    assert tb.audience == ["staging-token-broker"]
    assert (tb.group_claim, tb.default_duration_seconds, tb.max_duration_seconds) == ("groups", 900, 3600)
    assert [(r.name, r.access, r.max_session_duration_seconds) for r in tb.roles] == [
        ("developer", "developer", 3600),
        ("readonly", "readonly", 3600),
    ]
    assert tb.ci is None
    assert (tb.throttling_rate_limit, tb.throttling_burst_limit) == (10, 20)


def test_a_full_broker_with_ci_loads():
    tb = load(
        audience=["a", "b"],
        groupClaim="https://example.com/claims/groups",
        defaultDurationSeconds=1800,
        maxDurationSeconds=3600,
        ci={
            "repositories": [{"repository": "example-org/app.web", "environment": "staging"}],
            "access": "developer",
            "maxSessionDurationSeconds": 3600,
            "providerArn": PROVIDER_ARN,
        },
    ).token_broker
    assert tb.audience == ["a", "b"]
    assert tb.ci.repositories[0].repository == "example-org/app.web"
    assert (tb.ci.access, tb.ci.max_session_duration_seconds, tb.ci.provider_arn) == (
        "developer",
        3600,
        PROVIDER_ARN,
    )


@pytest.mark.parametrize(
    "issuer",
    [
        "http://idp.example.com/realms/staging",
        "idp.example.com",
        "https://",
        "https://idp.example.com/realms/staging?x=1",
        "https://idp.example.com/#frag",
    ],
)
def test_issuer_must_be_an_https_url(issuer):
    line = only(issuer=issuer)
    assert line.startswith("staging-blueprint:tokenBroker.issuer: must be the IdP's https issuer URL")
    assert line.endswith(f"(got {issuer!r})")


@pytest.mark.parametrize("audience", [[], [""], ["x" * 257]])
def test_audience_must_name_at_least_one_value(audience):
    assert only(audience=audience).startswith("staging-blueprint:tokenBroker.audience")


def test_issuer_and_audience_and_roles_are_required():
    with pytest.raises(ConfigError) as info:
        load_stack_config({**BASE, "tokenBroker": {}})
    assert sorted(p.render() for p in info.value.problems) == [
        "staging-blueprint:tokenBroker.audience: is required (got {})",
        "staging-blueprint:tokenBroker.issuer: is required (got {})",
        "staging-blueprint:tokenBroker.roles: is required (got {})",
    ]


def test_group_claim_has_no_whitespace():
    assert only(groupClaim="my groups").startswith(
        "staging-blueprint:tokenBroker.groupClaim: must be 1-128 characters without whitespace"
    )


@pytest.mark.parametrize("name", ["Developer", "1dev", "dev_ops", "d" * 33, ""])
def test_role_names_are_short_lowercase_aliases(name):
    line = only(roles=[{"name": name}], groups={})
    assert line.startswith("staging-blueprint:tokenBroker.roles[0].name: must be 1-32 characters")


@pytest.mark.parametrize(("seconds", "fragment"), [(7200, "less than or equal to 3600"), (600, "900")])
def test_role_sessions_are_900_to_3600_seconds(seconds, fragment):
    line = only(roles=[{"name": "developer", "maxSessionDurationSeconds": seconds}], groups={})
    assert line.startswith("staging-blueprint:tokenBroker.roles[0].maxSessionDurationSeconds: ")
    assert fragment in line


def test_role_access_is_a_known_preset():
    line = only(roles=[{"name": "developer", "access": "admin"}], groups={})
    assert line == (
        "staging-blueprint:tokenBroker.roles[0].access: must be one of 'readonly' or 'developer' "
        "(got 'admin')"
    )


@pytest.mark.parametrize("description", ["Operate staging \u2014 secrets", "x" * 1001])
def test_role_descriptions_are_what_iam_accepts(description):
    line = only(roles=[{"name": "developer", "description": description}], groups={})
    assert line.startswith(
        "staging-blueprint:tokenBroker.roles[0].description: must be at most 1000 characters of printable"
    )


def test_roles_need_unique_names():
    line = only(roles=[{"name": "developer"}, {"name": "developer"}], groups={})
    assert line == (
        "staging-blueprint:tokenBroker.roles[1].name: is used twice; give each role its own name "
        "(got 'developer')"
    )


def test_a_role_may_not_outlast_the_broker_maximum():
    line = only(maxDurationSeconds=1800, roles=[{"name": "developer"}], groups={})
    assert line.startswith(
        "staging-blueprint:tokenBroker.roles[0].maxSessionDurationSeconds: is more than "
        "tokenBroker.maxDurationSeconds (1800)"
    )
    assert line.endswith("(got 3600)")


def test_broker_durations_are_capped_at_an_hour():
    assert only(maxDurationSeconds=43200).startswith(
        "staging-blueprint:tokenBroker.maxDurationSeconds: must be less than or equal to 3600"
    )


def test_default_duration_is_at_most_the_maximum():
    role = {"name": "r", "maxSessionDurationSeconds": 900}
    line = only(defaultDurationSeconds=3600, maxDurationSeconds=1800, roles=[role], groups={})
    assert line == (
        "staging-blueprint:tokenBroker.defaultDurationSeconds: is more than tokenBroker.maxDurationSeconds "
        "(1800); lower it or raise the maximum (got 3600)"
    )


def test_groups_name_existing_roles():
    line = only(groups={"staging-developers": {"roles": ["developer", "admin"]}})
    assert line == (
        "staging-blueprint:tokenBroker.groups.staging-developers.roles[1]: names no role; use one of "
        "tokenBroker.roles[].name: developer, readonly (got 'admin')"
    )


@pytest.mark.parametrize("group", ["staging developers", "dev,ops", ""])
def test_group_names_have_no_spaces_or_commas(group):
    line = only(groups={group: {"roles": ["readonly"]}})
    assert line.startswith(f"staging-blueprint:tokenBroker.groups.{group}: must be a group name")
    assert "without spaces or commas" in line


def test_a_group_must_grant_something():
    assert only(groups={"idle": {}}) == (
        "staging-blueprint:tokenBroker.groups.idle: grants nothing; list `roles` and/or `databases`, or "
        "remove the group (got 'idle')"
    )


def test_mapped_databases_must_be_defined():
    line = only(groups={"staging-developers": {"databases": {"orders": "orders_rw"}}})
    assert line == (
        "staging-blueprint:tokenBroker.groups.staging-developers.databases.orders: names no database; use "
        "one of databases[].name (defined: none) (got 'orders')"
    )


def test_mapped_databases_are_checked_against_the_defined_names():
    tb = TokenBrokerConfig.model_validate(
        broker(groups={"dev": {"databases": {"orders": "orders_rw", "billing": "billing_ro"}}})
    )
    [problem] = access_checks(tb, "staging", ["orders"])
    assert problem.path == "tokenBroker.groups.dev.databases.billing"
    assert problem.message == "names no database; use one of databases[].name (defined: orders)"


@pytest.mark.parametrize("user", ["Orders", "orders-rw", "1orders", "o" * 64])
def test_database_users_are_postgres_identifiers(user):
    tb = TokenBrokerConfig.model_validate(broker(groups={"dev": {"databases": {"orders": user}}}))
    [problem] = access_checks(tb, "staging", ["orders"])
    assert (problem.path, problem.value) == ("tokenBroker.groups.dev.databases.orders", user)
    assert problem.message == "must be a PostgreSQL user name: a-z or _, then up to 62 of a-z, 0-9 or _"


@pytest.mark.parametrize(
    "repository", ["example-org", "example-org/app/x", "example-org/*", "*/app", "-org/app"]
)
def test_ci_repositories_are_owner_slash_repo(repository):
    line = only(ci={"repositories": [{"repository": repository}]})
    assert line.startswith(
        "staging-blueprint:tokenBroker.ci.repositories[0].repository: must be a GitHub repository as "
        "`owner/repo`, without wildcards"
    )


@pytest.mark.parametrize("environment", ["*", "stag*", "", "a:b", "st?ging"])
def test_ci_environments_are_exact_names(environment):
    line = only(ci={"repositories": [{"repository": "example-org/app", "environment": environment}]})
    assert line.startswith("staging-blueprint:tokenBroker.ci.repositories[0].environment: must be a GitHub")
    assert "wildcards are not allowed" in line


def test_ci_needs_a_repository():
    assert only(ci={"repositories": []}).startswith("staging-blueprint:tokenBroker.ci.repositories: ")


def test_ci_sessions_are_capped_at_an_hour():
    line = only(ci={"repositories": [{"repository": "o/r"}], "maxSessionDurationSeconds": 7200})
    assert line.startswith(
        "staging-blueprint:tokenBroker.ci.maxSessionDurationSeconds: must be at most 3600 s: this blueprint "
        "caps every session at one hour (got 7200)"
    )


@pytest.mark.parametrize("seconds", [900, 1800, 3599, 43201, 0])
def test_ci_role_sessions_iam_rejects_are_refused_with_the_key_path(seconds):
    # IAM CreateRole: MaxSessionDuration must be 3600-43200 s; 900-3599 would fail `pulumi up`.
    line = only(ci={"repositories": [{"repository": "o/r"}], "maxSessionDurationSeconds": seconds})
    assert line.startswith(
        "staging-blueprint:tokenBroker.ci.maxSessionDurationSeconds: must be 3600-43200 s: IAM rejects"
    )
    assert line.endswith(f"(got {seconds})")


def test_ci_provider_is_looked_up_by_default_and_created_only_on_request():
    ci = load(ci={"repositories": [{"repository": "o/r"}]}).token_broker.ci
    assert (ci.provider_arn, ci.create_provider) == (None, False)
    assert load(
        ci={"repositories": [{"repository": "o/r"}], "createProvider": True}
    ).token_broker.ci.create_provider


def test_ci_provider_cannot_be_both_given_and_created():
    line = only(
        ci={"repositories": [{"repository": "o/r"}], "createProvider": True, "providerArn": PROVIDER_ARN}
    )
    assert line.startswith(
        "staging-blueprint:tokenBroker.ci.createProvider: and ci.providerArn exclude each other"
    )


@pytest.mark.parametrize("name", ["token-broker", "ci-deploy"])
def test_access_roles_cannot_take_the_brokers_own_role_names(name):
    line = only(roles=[{"name": name}], groups={})
    assert line.startswith("staging-blueprint:tokenBroker.roles[0].name: collides with the IAM role")
    assert f"(got {name!r})" in line


def test_ci_provider_arn_is_the_github_provider():
    line = only(
        ci={
            "repositories": [{"repository": "o/r"}],
            "providerArn": "arn:aws:iam::123456789012:oidc-provider/accounts.google.com",
        }
    )
    assert line.startswith("staging-blueprint:tokenBroker.ci.providerArn: must be an IAM OIDC provider ARN")


def test_unknown_keys_are_named_with_a_suggestion():
    line = only(groupsClaim="groups")
    assert line.startswith(
        "staging-blueprint:tokenBroker.groupsClaim: unknown key (did you mean 'groupClaim'?)"
    )


def test_grant_tables_must_fit_the_lambda_environment():
    roles = [{"name": f"role-{i}"} for i in range(10)]
    groups = {f"team-{i:03d}": {"roles": [r["name"] for r in roles]} for i in range(20)}
    line = only(roles=roles, groups=groups)
    assert line.startswith("staging-blueprint:tokenBroker.groups: need about ")
    assert "over Lambda's 4096-byte limit" in line


def test_environment_estimate_is_an_upper_bound():
    tb = TokenBrokerConfig.model_validate(broker())
    role_arn = "arn:aws:iam::123456789012:role/staging-developer"
    actual = (
        '{"GROUP_CLAIM": "groups", "DEFAULT_DURATION_SECONDS": "900", "MAX_DURATION_SECONDS": "3600", '
        f'"ROLE_MAP": "{{\\"staging-developers\\": {{\\"developer\\": {{\\"maxDurationSeconds\\": 3600, '
        f'\\"roleArn\\": \\"{role_arn}\\"}}}}}}", "DB_MAP": "{{}}"}}'
    )
    assert estimated_environment_bytes(tb, "staging") >= len(actual)
