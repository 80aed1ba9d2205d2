def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok"


def test_index_renders(client):
    assert client.get("/").status_code == 200
