"""A terminal swap (RMA) through the API client and the simulator: the faulty terminal off its
line (``DELETE /service-lines/{sln}/user-terminals/{deviceId}``), the replacement kit onto the
account and onto the line."""

import pytest
from starlink_telemetry_lib.exceptions import StarlinkNotFoundError, StarlinkValidationError

NEW_KIT = "KITSWAP00001"


def _operations(simulator):
    return simulator.simulator.state.describe()


def _on_line(client, number):
    return [t["userTerminalId"] for t in client.iter_user_terminals(service_line_numbers=[number])]


def _find(client, device):
    return next(
        t for t in client.iter_user_terminals(search=device)
        if device in (t["userTerminalId"], t["kitSerialNumber"], t["dishSerialNumber"])
    )  # fmt: skip


def test_swap_a_fleet_terminal_for_a_new_kit(simulator, make_client):
    client = make_client()
    old = simulator.simulator.fleet.terminal(1)
    number = old.service_line_number
    assert _on_line(client, number) == [old.user_terminal_id]

    client.remove_user_terminal(number, old.user_terminal_id)
    assert _on_line(client, number) == []
    spare = _find(client, old.user_terminal_id)
    assert spare["serviceLineNumber"] is None, "still on the account, without service"
    assert spare["kitSerialNumber"] == old.kit_serial
    assert old.user_terminal_id in [
        t["userTerminalId"] for t in client.iter_user_terminals(has_service_line=False)
    ]
    line = client.get_service_line(number)
    assert line["active"] is True and line["productReferenceId"] == old.plan.ref

    client.add_user_terminal(NEW_KIT)
    new = _find(client, NEW_KIT)
    client.attach_user_terminal(number, new["userTerminalId"])
    assert _on_line(client, number) == [new["userTerminalId"]]
    operations = _operations(simulator)
    removals = operations["terminal_removals"]
    assert [(r["serviceLineNumber"], r["userTerminalId"]) for r in removals] == [
        (number, old.user_terminal_id)
    ]
    assert [a["userTerminalId"] for a in operations["terminal_attachments"]] == [
        new["userTerminalId"]
    ]
    # The old kit is still the reseller's: it can be rebooted and put on a line again.
    client.reboot_user_terminal(old.kit_serial)
    assert operations["reboots"] == [] and _operations(simulator)["reboots"][0]["deviceId"] == (
        old.user_terminal_id
    )


def test_removing_twice_changes_nothing(simulator, make_client):
    client = make_client()
    old = simulator.simulator.fleet.terminal(2)
    number = old.service_line_number
    client.remove_user_terminal(number, old.kit_serial)  # a kit serial names it too
    with pytest.raises(StarlinkValidationError, match="not on service line"):
        client.remove_user_terminal(number, old.user_terminal_id)
    assert len(_operations(simulator)["terminal_removals"]) == 1
    with pytest.raises(StarlinkNotFoundError):
        client.remove_user_terminal("AST-000000-00000-00", old.user_terminal_id)


def test_a_terminal_is_removed_from_its_own_line_only(simulator, make_client):
    client = make_client()
    first, second = (simulator.simulator.fleet.terminal(i) for i in (3, 4))
    assert first.service_line_number != second.service_line_number
    with pytest.raises(StarlinkValidationError):
        client.remove_user_terminal(second.service_line_number, first.user_terminal_id)
    with pytest.raises(StarlinkValidationError):
        client.remove_user_terminal(first.service_line_number, "KITNOSUCH0001")
    assert _on_line(client, first.service_line_number) == [first.user_terminal_id]
    assert _operations(simulator)["terminal_removals"] == []


def test_a_line_takes_its_new_terminal_only_once_the_old_one_is_off(simulator, make_client):
    client = make_client()
    old = simulator.simulator.fleet.terminal(5)
    number = old.service_line_number
    client.add_user_terminal(NEW_KIT)
    with pytest.raises(StarlinkValidationError, match="already has a user terminal"):
        client.attach_user_terminal(number, NEW_KIT)
    client.remove_user_terminal(number, old.user_terminal_id)
    client.attach_user_terminal(number, NEW_KIT)
    assert _on_line(client, number) == [_find(client, NEW_KIT)["userTerminalId"]]
    # Back again: the new kit off, the old one on.
    client.remove_user_terminal(number, NEW_KIT)
    client.attach_user_terminal(number, old.user_terminal_id)
    assert _on_line(client, number) == [old.user_terminal_id]
