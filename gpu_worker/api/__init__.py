"""The jobs API: FastAPI on uvicorn (gpu_worker.api.app for the routes, gpu_worker.api.server to run it)."""
