"""What if (测算): a scenario computes the allocation of a published date again from the same
inputs with changed parameters, and compares it district by district with the published one.

- `parameters`: the scenario's name and `--set NAME=VALUE` overrides, checked first.
- `rates`: a rates file (`--rates`) checked against the unit_cost_standards contract.
- `compute`: the same dbt models computed into schema `whatif`, then the scenario's table
  of `published` (`compute.SCENARIO_TABLE`); `nightly_tables`: a parameters-only scenario from the
  tables of the date's nightly run, only the models that read the parameters (dbt's SQL).
- `report`: the comparison page and workbook beside the date's review pack.

A scenario never changes a published allocation, a run record, raw data or a decision.
"""
