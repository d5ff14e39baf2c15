"""Scratch settings of the floor views: nothing but a database and two URLs."""

import os

import environ

SECRET_KEY = "floor-only"  # a scratch process that serves two benchmark views
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor.urls"
DATABASES = {"default": environ.Env.db_url_config(os.environ["DATABASE_URL"])}
USE_TZ = True
