import requests
import base64

def upload_image(file_path, project_id, api_key, api_secret):
    url = f"https://api.cloud.scenario.com/v1/assets?projectId={project_id}"
    
    with open(file_path, "rb") as f:
        encoded = base64.b64encode(f.read()).decode("utf-8")
    
    response = requests.post(
        url,
        headers={"Content-Type": "application/json"},
        json={"image": encoded, "name": file_path.split("/")[-1]},
        auth=(api_key, api_secret)
    )
    
    return response.json()["asset"]["id"]

# Usage
asset_id = upload_image("./image.png", "proj_...", "key_...", "secret_...")
print(f"Image uploaded! Asset ID: {asset_id}")
