curl -X POST https://api.token360.ai/v1/assets \
  -H "Authorization: Bearer sk-your-api-key" \
  -F "file=@./your-file.png" \
  -F "name=avatar.png" \
  -F "groupId=library"
