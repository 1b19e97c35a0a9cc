from ninja import NinjaAPI

api = NinjaAPI(title="Jalon", version="1", urls_namespace="api")
