"""Step outputs kept in the Dagster instance's database, so hosts share no filesystem.

What steps hand each other is small: a partition's chunks, each chunk's figures, the
migration's summary. They are pickled into the instance's key-value store, a table of
the instance's own database (PostgreSQL across hosts, `deploy/dagster.yaml`; SQLite on
one host). Every process that runs a step writes its events to that database already,
whichever host it runs on, so any step can read what another step wrote elsewhere.
"""

import base64
import pickle

import dagster as dg
from pydantic import PrivateAttr

KEY_PREFIX = "xml_migration/step_output"
"""Prefix of the store's keys holding step outputs (the store also holds daemon cursors)."""


def output_key(context: dg.OutputContext) -> str:
    """The store key of an output: its asset and partition, or its run, step, output name
    and mapping key (one key per chunk of a fan-out)."""
    if context.has_asset_key:
        return "/".join([KEY_PREFIX, "asset", *context.get_asset_identifier()])
    return "/".join([KEY_PREFIX, "run", *context.get_identifier()])


def input_key(context: dg.InputContext) -> str:
    """The store key of the output an input loads."""
    if context.has_asset_key:
        return "/".join([KEY_PREFIX, "asset", *context.get_asset_identifier()])
    return output_key(context.upstream_output)


class InstanceStorageIOManager(dg.ConfigurableIOManager):
    """Stores step outputs in the Dagster instance's database instead of its local folder.

    Steps may run on different hosts (Celery workers) that share only the databases and
    the broker; they all reach the instance's database.
    """

    _instance: dg.DagsterInstance | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._instance = context.instance

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        self.instance().daemon_cursor_storage.set_cursor_values(
            {output_key(context): base64.b64encode(payload).decode("ascii")}
        )

    def load_input(self, context: dg.InputContext) -> object:
        key = input_key(context)
        stored = self.instance().daemon_cursor_storage.get_cursor_values({key})
        if key not in stored:
            raise dg.Failure(description=f"no stored output {key!r} in the Dagster instance")
        return pickle.loads(base64.b64decode(stored[key]))

    def instance(self) -> dg.DagsterInstance:
        if self._instance is None:
            raise dg.DagsterInvariantViolationError(
                "the instance storage I/O manager needs a Dagster instance"
            )
        return self._instance
