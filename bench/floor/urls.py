import hashlib

from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


def hello(request):
    return HttpResponse(b"hello")


@csrf_exempt
def insert(request):
    digest = hashlib.sha256(request.headers.get("Token", "").encode()).hexdigest()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_apikey WHERE key_hash = %s", [digest])
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"error": "unknown key"}, status=401)
        cursor.execute(
            "INSERT INTO bench_floor (key_id, body) VALUES (%s, %s) RETURNING id", [row[0], request.body.decode()]
        )
        return JsonResponse({"id": cursor.fetchone()[0]})


urlpatterns = [path("hello", hello), path("insert", insert)]
