import { probe } from '#config'; console.log('ok', probe);
