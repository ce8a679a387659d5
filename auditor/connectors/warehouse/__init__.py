"""`warehouse`: base metrics as aggregate queries run in the client's data warehouse.

The package: `options.py`, `layouts.py` (the query packs), `query.py` (one aggregate a
metric, grouped into the audit's months, compiled per dialect by sqlglot),
`connector.py` (DuckDB files for now).
"""

from auditor.connectors.warehouse.connector import WarehouseConnector as WarehouseConnector
from auditor.connectors.warehouse.options import WarehouseOptions as WarehouseOptions
