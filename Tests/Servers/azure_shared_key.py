#!/usr/bin/env python3
"""Signs requests with Microsoft's own Azure SDK (azure-storage-blob's SharedKeyCredentialPolicy),
the oracle for our Shared Key signer. Reads {"account","key","requests":[{"method","url","headers"}]}
as JSON on stdin; prints one Authorization header value per request."""
import json, sys
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.pipeline.transport import HttpRequest
from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy

job = json.load(sys.stdin)
policy = SharedKeyCredentialPolicy(job["account"], job["key"])
for r in job["requests"]:
    req = HttpRequest(r["method"], r["url"], headers=dict(r["headers"]))
    policy.on_request(PipelineRequest(req, PipelineContext(None)))
    print(req.headers["Authorization"])
