"""Step outputs in the Dagster instance's database: fan-out, fan-in and assets round-trip,
and nothing of them is written to the instance's local folder."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from xml_migration.defs.step_outputs import KEY_PREFIX, InstanceStorageIOManager

pytestmark = pytest.mark.dagster


@dg.op(out=dg.DynamicOut(tuple[int, int]))
def ranges() -> Iterator[dg.DynamicOutput[tuple[int, int]]]:
    for start in (1, 11, 21):
        yield dg.DynamicOutput((start, start + 9), mapping_key=f"ids_{start}")


@dg.op
def width(id_range: tuple[int, int]) -> int:
    return id_range[1] - id_range[0] + 1


@dg.op
def total(widths: list[int]) -> int:
    return sum(widths)


@dg.job(resource_defs={"io_manager": InstanceStorageIOManager()})
def fan_out_and_in() -> None:
    total(ranges().map(width).collect())


def stored_keys(instance: dg.DagsterInstance, keys: set[str]) -> set[str]:
    return set(instance.daemon_cursor_storage.get_cursor_values(keys))


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_fan_out_and_fan_in_pass_through_the_instance_and_leave_no_files(
    instance: dg.DagsterInstance,
) -> None:
    result = fan_out_and_in.execute_in_process(instance=instance)
    assert result.success
    assert result.output_for_node("total") == 30
    run = f"{KEY_PREFIX}/run/{result.run_id}"
    expected = {f"{run}/ranges/result/ids_{start}" for start in (1, 11, 21)}
    expected |= {f"{run}/width[ids_{start}]/result" for start in (1, 11, 21)}
    expected.add(f"{run}/total/result")
    assert stored_keys(instance, expected) == expected
    storage = Path(instance.storage_directory())
    outputs = [path for path in files_under(storage) if "compute_logs" not in path.parts]
    assert outputs == []


def test_an_asset_partition_is_stored_under_its_asset_and_loaded_downstream(
    instance: dg.DagsterInstance,
) -> None:
    letters = dg.StaticPartitionsDefinition(["a", "b"])

    @dg.asset(partitions_def=letters)
    def word(context: dg.AssetExecutionContext) -> str:
        return context.partition_key * 3

    @dg.asset(partitions_def=letters)
    def shout(word: str) -> str:
        return word.upper()

    resources = {"io_manager": InstanceStorageIOManager()}
    dg.materialize([word], partition_key="b", instance=instance, resources=resources)
    result = dg.materialize(
        [word, shout],
        selection=[shout],
        partition_key="b",
        instance=instance,
        resources=resources,
    )
    assert result.output_for_node("shout") == "BBB"
    assert stored_keys(instance, {f"{KEY_PREFIX}/asset/word/b"}) == {f"{KEY_PREFIX}/asset/word/b"}


def test_an_output_never_stored_fails_naming_its_key(instance: dg.DagsterInstance) -> None:
    manager = InstanceStorageIOManager()
    manager.setup_for_execution(dg.build_init_resource_context(instance=instance))
    upstream = dg.build_output_context(run_id="gone", step_key="plan", name="result")
    with pytest.raises(dg.Failure, match="xml_migration/step_output/run/gone/plan/result"):
        manager.load_input(dg.build_input_context(upstream_output=upstream))
