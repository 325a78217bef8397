import { serve } from '@assetd/server';
await serve();
