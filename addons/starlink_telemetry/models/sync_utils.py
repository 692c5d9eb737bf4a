"""Helpers shared by the models that mirror Starlink records."""


def changed_values(record, values):
    """The part of ``values`` that differs from what ``record`` holds.

    Values are compared as the field stores them (floats rounded to their digits, ids to
    records), so a sync that brings nothing new writes nothing and tracks nothing.
    """
    fields = record._fields
    return {
        name: value
        for name, value in values.items()
        if record[name]
        != fields[name].convert_to_record(fields[name].convert_to_cache(value, record), record)
    }
