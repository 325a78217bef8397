const API_KEY = 'your-api-key';
const PROJECT_ID = 'your-project-id';
const API_BASE = 'https://api.cloud.scenario.com';

async function uploadFile(filePath, kind, contentType) {
  const fs = require('fs');
  const file = fs.readFileSync(filePath);
  const fileSize = fs.statSync(filePath).size;
  const fileName = filePath.split('/').pop();

  // Step 1: Initialize upload
  const initResponse = await fetch(`${API_BASE}/v1/uploads?projectId=${PROJECT_ID}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${API_KEY}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      fileName: fileName,
      contentType: contentType,
      kind: kind, // 'audio', 'video', or '3d'
      parts: 1,
      fileSize: fileSize,
    }),
  });

  const { upload } = await initResponse.json();
  const uploadId = upload.id;

  // Step 2: Upload file part
  const part = upload.parts[0];
  await fetch(part.url, {
    method: 'PUT',
    body: file,
  });

  // Step 3: Complete upload
  await fetch(`${API_BASE}/v1/uploads/${uploadId}/action?projectId=${PROJECT_ID}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${API_KEY}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      action: 'complete',
    }),
  });

  // Step 4: Wait for processing and get assetId
  let assetId = null;
  while (!assetId) {
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const statusResponse = await fetch(`${API_BASE}/v1/uploads/${uploadId}?projectId=${PROJECT_ID}`, {
      headers: {
        Authorization: `Bearer ${API_KEY}`,
      },
    });

    const { upload: uploadStatus } = await statusResponse.json();

    if (uploadStatus.status === 'imported' && uploadStatus.entityId) {
      assetId = uploadStatus.entityId;
    } else if (uploadStatus.status === 'failed') {
      throw new Error(`Upload failed: ${uploadStatus.errorMessage}`);
    }
  }

  return assetId;
}

// Usage examples:
(async () => {
  // Upload large image (6MB+)
  const largeImageAssetId = await uploadFile('./large-image.png', 'image', 'image/png');
  console.log('Large image assetId:', largeImageAssetId);

  // Upload audio
  const audioAssetId = await uploadFile('./audio.mp3', 'audio', 'audio/mpeg');
  console.log('Audio assetId:', audioAssetId);

  // Upload video
  const videoAssetId = await uploadFile('./video.mp4', 'video', 'video/mp4');
  console.log('Video assetId:', videoAssetId);

  // Upload 3D model
  const modelAssetId = await uploadFile('./model.glb', '3d', 'model/gltf-binary');
  console.log('3D model assetId:', modelAssetId);
})();
