const fetch = require('node-fetch');
const fs = require('fs');
const path = require('path');

const apiKey = 'YOUR_API_KEY';
const apiSecret = 'YOUR_API_SECRET';
const projectId = 'YOUR_PROJECT_ID';
const credentials = Buffer.from(`${apiKey}:${apiSecret}`).toString('base64');

async function uploadImage() {
  const url = `https://api.cloud.scenario.com/v1/assets?projectId=${projectId}`;
  const filePath = './my_image.png';

  try {
    // Read and encode image to Base64
    const fileBuffer = fs.readFileSync(filePath);
    const base64Image = fileBuffer.toString('base64');

    // Prepare JSON payload
    const payload = {
      image: base64Image,
      name: path.basename(filePath),
    };

    const response = await fetch(url, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${credentials}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(payload),
    });

    const data = await response.json();

    if (response.ok) {
      const assetId = data.asset.id;
      console.log(`Asset uploaded successfully! Asset ID: ${assetId}`);
      console.log('Response:', data);
    } else {
      console.error(`Error uploading asset: ${response.status} - ${JSON.stringify(data)}`);
    }
  } catch (error) {
    console.error('Error:', error.message || error);
  }
}

uploadImage();
