"""Reading for people and the API: codes and concepts, the read models, search."""
