"""Records what Spark's CSV writer makes of edge-case values (the bytes upstream's exhausts have).

    pip install pyspark   # Java 17+ on PATH
    python3 Tests/Fixtures/csv/record-spark.py Tests/Fixtures/csv/edge-values.json > Tests/Fixtures/csv/spark-edge-values.csv

One string column " Name " (a header with spaces), the value column `v` (null for JSON null) and a
double column, written the way upstream writes a report: coalesce(1), format csv, header true,
every other option at Spark's default. CSVDialectTests compares our writer's bytes with the output.
"""
import glob
import json
import os
import shutil
import sys
import tempfile

from pyspark.sql import SparkSession
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

values = json.load(open(sys.argv[1]))
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
schema = StructType([StructField(" Name ", StringType()), StructField("v", StringType()), StructField("d", DoubleType())])
frame = spark.createDataFrame([(str(i), v, 1.5) for i, v in enumerate(values)], schema)
out = tempfile.mkdtemp()
shutil.rmtree(out)
frame.coalesce(1).write.format("csv").option("header", "true").save(out)
sys.stdout.buffer.write(open(glob.glob(os.path.join(out, "part-*.csv"))[0], "rb").read())
sys.stderr.write("spark " + spark.version + "\n")
shutil.rmtree(out)
