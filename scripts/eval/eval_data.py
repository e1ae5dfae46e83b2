"""The data folder `npm run eval` reads: TSFM_EVAL_DATA. It is not in the repository (the tests use
the small subsets in test/fixtures/data); run as a script, this checks it and lists what is missing.

  TSFM_EVAL_DATA=/path/to/data /usr/bin/python3 scripts/eval/eval_data.py
"""
import csv
import os
import sys

# The 17 long-format files the evaluation reads, by their path under the folder.
FILES = [
    "m3/m3_yearly.csv", "m3/m3_quarterly.csv", "m3/m3_monthly.csv",
    "m4/m4_hourly.csv", "m4/m4_weekly.csv",
    "tourism/tourism_yearly.csv", "tourism/tourism_quarterly.csv", "tourism/tourism_monthly.csv",
    "nn_competitions/nn5_daily.csv",
    "autoformer/exchange_rate.csv", "autoformer/national_illness.csv",
    "tsibbledata/vic_elec_halfhourly.csv", "tsibbledata/aus_retail_monthly.csv", "tsibble/pedestrian_hourly.csv",
    "prophet/peyton_manning_daily.csv", "prophet/yosemite_temps_5min.csv", "prophet/retail_sales_monthly.csv",
]

HELP = """Set TSFM_EVAL_DATA to the folder that holds the evaluation data:

  datasets.csv   the index: one row per dataset with at least the columns
                 file,freq,horizon,season (freq: 5-minute, half-hourly, hourly, daily, weekly, monthly,
                 quarterly or yearly; horizon = the test window H; season = the MASE period m)
  <file>         one long-format CSV per row of the index, `series_id,timestamp,value`, header first,
                 rows grouped by series, ISO 8601 timestamps, an empty value for a missing one;
                 the 17 files of the published figures (docs/ACCURACY.md):
                   """ + "\n                   ".join(FILES) + """

test/fixtures/README.md names the source and licence of each dataset; test/fixtures/data holds small
subsets in the same layout (enough to try the pipeline: TSFM_EVAL_DATA=test/fixtures/data, though
its figures are not the published ones)."""


def data_dir():
    """TSFM_EVAL_DATA, or exit with what to put there."""
    d = os.environ.get("TSFM_EVAL_DATA")
    if not d:
        sys.exit("TSFM_EVAL_DATA is unset.\n\n" + HELP)
    if not os.path.isfile(os.path.join(d, "datasets.csv")):
        sys.exit(f"TSFM_EVAL_DATA={d} has no datasets.csv.\n\n" + HELP)
    return d


def check():
    d = data_dir()
    listed = [r["file"] for r in csv.DictReader(open(os.path.join(d, "datasets.csv"), newline=""))]
    absent = [f for f in listed if not os.path.isfile(os.path.join(d, f))]
    if absent:
        sys.exit(f"TSFM_EVAL_DATA={d}: datasets.csv lists files that are not there: {', '.join(absent)}\n\n" + HELP)
    unlisted = [f for f in FILES if f not in listed]
    if unlisted:
        print(f"note: TSFM_EVAL_DATA={d} lacks {len(unlisted)} of the 17 published datasets ({', '.join(unlisted)}): "
              "the report covers the ones it lists", file=sys.stderr)


if __name__ == "__main__":
    check()
