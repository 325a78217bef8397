import requests
import base64
import json

api_key = "YOUR_API_KEY"
api_secret = "YOUR_API_SECRET"
project_id = "YOUR_PROJECT_ID"

url = f"https://api.cloud.scenario.com/v1/assets?projectId={project_id}"

# Read and encode image as base64
file_path = "./my_image.png"
with open(file_path, "rb") as image_file:
    encoded_string = base64.b64encode(image_file.read()).decode("utf-8")

# JSON payload
payload = {
    "image": encoded_string,
    "name": "my_image_base64_upload",
}

headers = {
    "Content-Type": "application/json"
}

# Make request with basic auth
response = requests.post(
    url, 
    headers=headers, 
    data=json.dumps(payload), 
    auth=(api_key, api_secret)
)

# Handle response
if response.status_code == 200:
    data = response.json()
    asset_id = data.get("asset", {}).get("id")
    print(f"Asset uploaded successfully! Asset ID: {asset_id}")
    print("Response:", data)
else:
    print(f"Error uploading asset: {response.status_code} - {response.text}")
