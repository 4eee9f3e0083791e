"""`python register.py BASE_URL NAME`: print the token of a new pantry account named NAME, as an
auth command does (a second call with the same name fails: the email is taken)."""

import sys

import httpx

base_url, name = sys.argv[1], sys.argv[2]
body = {"user": {"email": f"{name}@example.com", "password": "a fresh cook"}}
answer = httpx.post(f"{base_url}/api/users", json=body, timeout=10.0)
answer.raise_for_status()
print(answer.json()["user"]["token"])
