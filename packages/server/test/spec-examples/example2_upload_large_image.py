import requests
import time
import os

def upload_large_image(file_path, project_id, api_key):
    """Upload an image that is 6MB or larger using multipart upload."""
    API_BASE = "https://api.cloud.scenario.com"
    headers = {
        'Authorization': f'Bearer {api_key}',
        'Content-Type': 'application/json'
    }
    
    file_size = os.path.getsize(file_path)
    file_name = os.path.basename(file_path)
    
    # Determine content type based on extension
    ext = file_name.split('.')[-1].lower()
    content_types = {
        'jpg': 'image/jpeg',
        'jpeg': 'image/jpeg',
        'png': 'image/png',
        'gif': 'image/gif',
        'webp': 'image/webp',
        'svg': 'image/svg+xml'
    }
    content_type = content_types.get(ext, 'image/jpeg')
    
    # Step 1: Initialize upload
    init_response = requests.post(
        f'{API_BASE}/v1/uploads',
        params={'projectId': project_id},
        headers=headers,
        json={
            'fileName': file_name,
            'contentType': content_type,
            'kind': 'image',  # Note: kind is 'image' for images
            'parts': 1,
            'fileSize': file_size
        }
    )
    init_response.raise_for_status()
    upload = init_response.json()['upload']
    upload_id = upload['id']
    
    # Step 2: Upload file part
    with open(file_path, 'rb') as f:
        image_data = f.read()
    
    part = upload['parts'][0]
    requests.put(part['url'], data=image_data).raise_for_status()
    
    # Step 3: Complete upload
    requests.post(
        f'{API_BASE}/v1/uploads/{upload_id}/action',
        params={'projectId': project_id},
        headers=headers,
        json={'action': 'complete'}
    ).raise_for_status()
    
    # Step 4: Wait for processing and get assetId
    while True:
        time.sleep(3)
        status_response = requests.get(
            f'{API_BASE}/v1/uploads/{upload_id}',
            params={'projectId': project_id},
            headers={'Authorization': f'Bearer {api_key}'}
        )
        upload_status = status_response.json()['upload']
        
        if upload_status['status'] == 'imported' and upload_status.get('entityId'):
            return upload_status['entityId']
        elif upload_status['status'] == 'failed':
            raise Exception(f"Upload failed: {upload_status.get('errorMessage')}")

# Usage
asset_id = upload_large_image('./large-image.png', 'proj_...', 'key_...')
print(f"Large image uploaded! Asset ID: {asset_id}")
